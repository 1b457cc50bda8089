# Load generators for profile and runtime drain tests.
APT_PACKAGES=(wrk)
