"""Pure parsers for the bank formats teachers already have; each yields the same ImportResult."""
