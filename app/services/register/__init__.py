"""The grid's base register (人、房、单位): houses, residents and organisations in each building,
collected by the grid worker, read under PIPL's rules (see access.py and views.py)."""
