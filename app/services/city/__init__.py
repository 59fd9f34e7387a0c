"""The city's frame: its outline and metric frame (UTM zone), and the generated names of its
areas and people (和平社区第1网格, 张军), and its working calendar: working days (China's
statutory holidays and 调休, the city's overrides) and office hours (`workdays`, pure;
`work_calendar`, from the database). Ground floor: knows nothing of any workflow.
"""
