"""Item-analysis sums kept up to date as exam-mode attempts are graded."""
