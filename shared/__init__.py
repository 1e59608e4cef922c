"""Code every Huiqi service uses: bus contracts, persistence, messaging and logging dependencies."""
