"""The application service: the application hall and the one window (contract section 7)."""
