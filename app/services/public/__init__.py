"""What the public sees (公开信息): one rule, `view`, for every surface anyone may read without an
account — Open311 today, the residents' own pages as they come. It stands above incidents: it
reads their cases and shows only what a category's visibility allows."""
