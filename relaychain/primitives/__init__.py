"""Protocol types and crypto shared by every package (the bottom layer)."""
