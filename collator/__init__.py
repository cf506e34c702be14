"""A collator: follows the relay chain, builds collations (block + PoV), hands them to backing groups."""
