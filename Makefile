# Shortcuts; the scripts do the work (and install what is missing).
.PHONY: demo test bench
demo:
	bash scripts/demo.sh
test:
	bash scripts/test.sh
bench:
	.venv/bin/python benchmarks/run.py all
