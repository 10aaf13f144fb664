"""The pure domain of Pestbot: the protocol, its questions, the conversation engine, the use cases.

Nothing here touches a platform SDK, the database or the network; see DESIGN.md.
"""
