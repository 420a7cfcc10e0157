"""A station: one node of tierdial, everything `config.yaml` describes assembled in one place (`tierdial serve`)."""
