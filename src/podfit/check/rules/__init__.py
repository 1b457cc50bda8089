"""podfit check rules."""
