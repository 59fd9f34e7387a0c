"""Workers in the field: positions (轨迹) from their phones checked and stored once (`positions`),
a day's fixes as a route (`tracks`), patrol coverage of a grid (`patrol`), distances along the
road network to an incident (`routing`), and where every worker is now (`workers_live`).
"""
