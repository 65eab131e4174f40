"""aiassisted: ask the AI agent (AWS Bedrock AgentCore) about an alert no other investigation
handles, and hand its analysis to SRE as a cluster report, with a note and an escalation.

The class is in ``investigation``; the package imports nothing, so that ``checks`` loads
without the clients."""
