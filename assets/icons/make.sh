#!/usr/bin/env bash
# Makes the hicolor icons that the Debian package installs from assets/icon.png (256x256, also
# the window's icon, installed as the 256x256 size itself): 16 to 128 scaled down, 512 scaled up.
# Needs ImageMagick. Run it again after changing assets/icon.png, and commit the results.
set -euo pipefail
cd "$(dirname "$0")"
for size in 16 22 24 32 48 64 128 512; do
    mkdir -p "hicolor/${size}x${size}/apps"
    # -strip and no date chunks: the same icon gives the same bytes.
    convert ../icon.png -filter Lanczos -resize "${size}x${size}" -strip \
        -define png:exclude-chunks=date,time "PNG32:hicolor/${size}x${size}/apps/meetjoin.png"
done
