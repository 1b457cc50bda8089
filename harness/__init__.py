"""Real-component helpers shared by the test suite (``tests/``) and the benchmarks
(``bench/``): servers started for real, cgroups, image builds, synthetic metrics. Neither of
those two folders imports the other; both import this one."""
