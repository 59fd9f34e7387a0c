"""Video (视频监控, 雪亮工程): cameras as their sources describe them (`sources`), their coverage
and the blind spots around them, kept up to date (`coverage`), operators' edits (`edits`),
suggested places for new cameras (`placement`) and coverage figures per area (`stats`).
"""
