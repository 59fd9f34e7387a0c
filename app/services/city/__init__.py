"""The city's frame: its outline and metric frame (UTM zone), and the generated names of its
areas and people (和平社区第1网格, 张军). Ground floor: knows nothing of any workflow.
"""
