"""qualitative"""
