//! Integration tests of the directory live in `tests/it/` (one test binary, `it`).
