# Forks `holders` processes that each write and keep `megabytes` MiB for `hold`, then exits 0.
# The parent holds nothing: its own RSS stays at Python's floor, so the tree total minus the
# child's own peak is what the harness's process-tree sampling must find.
import json, os, sys, time
args = sys.argv[1:]
parameters = json.loads(args[args.index("--parameters") + 1]) if "--parameters" in args else {}
holders, megabytes = int(parameters.get("holders", "2")), int(parameters.get("megabytes", "64"))
hold_text = parameters.get("hold", "600ms")
hold = float(hold_text[:-2]) / 1000 if hold_text.endswith("ms") else float(hold_text.rstrip("s"))
# `escape`: processes that leave the tree at once (fork, setsid, fork again: re-parented to init
# before any walk can see them) and keep the inherited stdout/stderr open for `hold` — what the
# Swift backtracer of a crashed child did to the harness's output pipe.
for _ in range(int(parameters.get("escape", "0"))):
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(hold)
        os._exit(0)
    os.waitpid(pid, 0)
children = []
for _ in range(holders):
    pid = os.fork()
    if pid == 0:
        block = bytearray(b"\x01") * (megabytes << 20)  # written, so resident
        time.sleep(hold)
        os._exit(0 if block[-1] == 1 else 1)
    children.append(pid)
sys.exit(max([os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children] + [0]))
