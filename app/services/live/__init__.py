"""What is live: the numbered event stream from LISTEN/NOTIFY to every open Server-Sent Events
client (`stream`, `writer`), the wall's counts and loads (`wall`), and the in-app clock that
escalates, recomputes coverage and keeps routes (`ticker`). Above the domains whose work it runs.
"""
