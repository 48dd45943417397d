"""The domain: plain async functions over an AsyncSession. No NiceGUI and no FastAPI here."""
