"""What a sweep runs: the plan (points, studies, origins, series groups), whether the data can hold it, and the
`TrialRequest`s that carry it to the trials."""
