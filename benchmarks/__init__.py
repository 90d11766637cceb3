"""Speed and scale benchmarks of N1's production code paths, run from the repository with
`python -m benchmarks` (see README.md here)."""
