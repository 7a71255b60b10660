"""pgokit: drive a C++ project through instrumented build, training, profile
merge, PGO + ThinLTO + BOLT optimization and validation, for x86_64 and arm64."""

__version__ = "0.1.0"
