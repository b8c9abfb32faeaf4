"""The command lines: `search` (tune and export), `report` (show a search), and run files."""
