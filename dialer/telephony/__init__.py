"""Telephony engines behind one small interface, picked by `config.yaml`'s `engine`."""
