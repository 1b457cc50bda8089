# Init wrappers tests/core runs a rewrapped server command behind (tini).
APT_PACKAGES=(tini)
