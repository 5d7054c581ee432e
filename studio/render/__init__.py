"""Timeline → sound mix → video file.

timeline (clips, layout, edits, ducking; plain values), audio + loudness (the mix at
48 kHz, BS.1770 normalization, narration export), frames + burned_captions + colour
(yuv420p frames made for the encoder), export (presets, one ffmpeg run), captions
(cues, SRT/VTT), probe (what a media file holds, without ffprobe), ffmpeg (running it).
It may import jobs, engines, models, money, the project and the base; never cli or Qt.
"""
