"""The sign-off round (Mitzeichnung; godkendelse) a paper passes before it may go on an agenda.

- chains: which steps of the body's chain a paper needs (its type, its money, its unit);
- rounds: asking the steps in their order, a new round for a new revision, the paper's state
  (draft, in sign-off, ready) and what each change means for whom;
- answers: recording yes, no with a reason, or a comment, once, from a reply or a clerk;
- replies: reading an approver's e-mail reply;
- notices: the e-mails (requests with the paper, reminders, escalation, the decline to the author).

What strings them together (read the replies, advance, send) is meetprep.jobs.signoff.
"""
