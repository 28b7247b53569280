"""The writers' preview: watch the sources, rebuild through pipeline.build(), serve and reload."""
