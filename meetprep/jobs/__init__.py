"""Jobs: the end-to-end work a clerk or a schedule starts, strung together from the domain's steps.

The domain packages compute and record (an agenda version, a planned message, a reply); a job
strings their steps together (build, then publish; read replies, then plan, then send) and is the
only caller of publishing and of the feeds. The CLI and the flows both call the jobs: the CLI
runs each step directly, a flow passes a `step` runner that makes each step a Prefect task, so
that the UI shows where a run stands. A flow never strings the steps together itself.
"""
