"""What follows a decision: the tasks it gives the administration (Beschlusskontrolle;
opfølgning), recorded from the minutes (tasks), reminded and escalated (followup), reported done
or given a new date by the owner's reply (replies) or by the clerk."""
