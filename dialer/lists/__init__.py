"""Call lists: reading files, normalising numbers, scrubbing and loading contacts, exporting them."""
