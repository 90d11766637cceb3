"""Speed and scale benchmarks, run with `n1 bench`."""
