# podfit recommend: a real Prometheus (and promtool, to backfill a TSDB from OpenMetrics) for
# tests/recommend and bench/bench_recommend.py. The package does not start a daemon here
# (no systemd); the tests start their own on 127.0.0.1 and stop it by PID.
APT_PACKAGES=(prometheus)
