"""What the public sees and does (公开信息, 群众参与): one rule, `view`, for every surface anyone
may read without an account — Open311 and the residents' pages; a resident's report with its
private link (`reporting`), following and rating it (`follow`), the city's addresses to say
where (`addresses`) and the ground to see it on (`basemap`). It stands above incidents: it
files and reads their cases, and shows only what a category's visibility allows."""
