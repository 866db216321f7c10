"""What the fake OpenAI endpoint answers, one module per API as in ``instrumentation/surfaces/``: ``generation``
(the output pieces and token counts of a text call, by documented rules), ``chat``, ``completions``,
``responses``, ``embeddings``, ``images``, ``audio``, ``moderations``, ``batches``. Standard library only.
"""
