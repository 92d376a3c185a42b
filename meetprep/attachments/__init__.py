"""Attachments still to follow (eftersendes; wird nachgereicht): chased, delivered, checked."""
