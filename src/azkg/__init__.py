"""azkg: a knowledge graph of Azerbaijan's industrial zones, each figure tied to the sentence that states it."""

__version__ = "0.1.0"
