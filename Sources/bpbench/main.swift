print("bpbench")
