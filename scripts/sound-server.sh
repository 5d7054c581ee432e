#!/usr/bin/env bash
# Source it before ./run-tests (not done by default: Qt's FFmpeg backend once hung in
# QMediaPlayer.stop() with it during a full run): on Linux without a reachable sound server, start a private PulseAudio
# server whose only output is a null sink (a sound card that plays to nowhere), so the playback
# tests play takes for real instead of taking the "no sound output" path. Installs pulseaudio
# when running as root with apt-get (as CI does); stops the server when the tests end.
if [ "$(uname -s)" = "Linux" ] && ! pactl info >/dev/null 2>&1; then
    if ! command -v pulseaudio >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing pulseaudio (a sound server for the playback tests) ..."
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pulseaudio >/dev/null 2>&1 \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pulseaudio >/dev/null 2>&1; } \
            || true
    fi
    if command -v pulseaudio >/dev/null 2>&1; then
        STITCH_SOUND_DIR="$(mktemp -d)"
        XDG_RUNTIME_DIR="$STITCH_SOUND_DIR" pulseaudio --daemonize=no --exit-idle-time=-1 -n --use-pid-file=no \
            --disallow-exit --system=false -L "module-null-sink sink_name=stitch_tests" \
            -L "module-native-protocol-unix auth-anonymous=1 socket=$STITCH_SOUND_DIR/native" \
            >"$STITCH_SOUND_DIR/log" 2>&1 &
        STITCH_SOUND_PID=$!
        export PULSE_SERVER="unix:$STITCH_SOUND_DIR/native"
        trap 'kill "$STITCH_SOUND_PID" 2>/dev/null; rm -rf "$STITCH_SOUND_DIR"' EXIT
        for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
        pactl info >/dev/null 2>&1 || echo "The test sound server did not start; playback tests take the no-sound path."
    else
        echo "No sound server and no pulseaudio to start one: playback tests take the no-sound path."
    fi
fi
