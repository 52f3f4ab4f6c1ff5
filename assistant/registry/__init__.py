"""The CAC's published filing lists (备案清单) as data: parsing, the workspace tables, lookup, 备案编号 decoding,
third-party number verification and type suggestion from the published rows."""
