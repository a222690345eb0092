"""Impact-oriented planning (Wirkungsorientierte Planung): what can the monitoring detect, is the target within reach?"""
