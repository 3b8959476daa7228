"""Time: parsing instants and the Chinese working calendar (with its notice and file tools)."""
