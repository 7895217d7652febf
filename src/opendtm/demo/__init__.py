"""The reproducible typhoon scenario: real Philippine geography, synthetic field exports."""
