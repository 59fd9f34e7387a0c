"""The closed loop (闭环处置) of an incident (事件): report, locate responsibility by position
(`responsibility`), dispatch, handle, feedback, verify and close (`loop`: the state machine, every
step an event), time limits and escalation (`escalation`), categories and their limits
(`categories`), photos, what a reader sees of a case (`views`), the assessment and star ratings
(`assessment`), and a simulated city that files and works cases (`simulation`) while its grid
workers walk their grids (`walkers`). `driver` runs the
intake's hot statements through psycopg itself.
"""
