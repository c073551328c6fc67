#!/usr/bin/env bash
# A headless Chromium for the browser tests, with no root and no browser download: the npm package
# @sparticuz/chromium ships the binary inside the package (brotli-compressed), so npm's registry is all it needs.
#   scripts/install_browser.sh DIR VERSION   ->  DIR/chromium, DIR/fonts.conf (system fonts + the package's)
# Without npm and node it says so and succeeds: the browser tests then skip outside CI (and fail in CI).
set -euo pipefail
dir=$1
version=$2
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "install_browser: npm and node not found; the browser tests will not run (LOGLENS_CHROMIUM names another)" >&2
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@sparticuz/chromium@$version" >/dev/null)
tar -xzf "$work"/sparticuz-chromium-*.tgz -C "$work"
rm -rf "$dir" && mkdir -p "$dir"
# Streamed: the binary is about 200 MiB unpacked.
node -e '
  const fs = require("fs"), zlib = require("zlib"), { pipeline } = require("stream/promises");
  const [src, dst] = process.argv.slice(1);
  pipeline(fs.createReadStream(src), zlib.createBrotliDecompress(), fs.createWriteStream(dst, { mode: 0o755 }))
    .catch((e) => { console.error(e); process.exit(1); });
' "$work/package/bin/chromium.br" "$dir/chromium.part"
node -e '
  const fs = require("fs"), zlib = require("zlib");
  fs.writeFileSync(process.argv[2], zlib.brotliDecompressSync(fs.readFileSync(process.argv[1])));
' "$work/package/bin/fonts.tar.br" "$work/fonts.tar"
tar --no-same-owner -xf "$work/fonts.tar" -C "$dir"  # fonts/: a font for a machine that has none
cat > "$dir/fonts.conf" <<EOF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>$(cd "$dir" && pwd)/fonts</dir>
  <cachedir>$(cd "$dir" && pwd)/fonts-cache</cachedir>
</fontconfig>
EOF
mv "$dir/chromium.part" "$dir/chromium"
"$dir/chromium" --version
