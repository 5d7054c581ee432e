# Build the Windows installer: packaging\dist\StitchStudio-Setup-<version>.exe
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build-windows.ps1
# Needs Python 3.11 with the project installed (./run-tests installs it into .venv) and Inno Setup 6 (iscc on PATH
# or in its default folder). Set $env:SIGN_PFX / $env:SIGN_PASSWORD to sign the installer with signtool.
$ErrorActionPreference = "Stop"
$Root = Resolve-Path "$PSScriptRoot\..\.."
Set-Location $Root
$Python = if ($env:PYTHON) { $env:PYTHON } else { "python" }
# PyInstaller and uv at the versions of requirements.lock (its hashes are Linux wheels'; the versions hold).
$Pins = (& $Python scripts/lock.py --pins pyinstaller uv) -split " "
& $Python -m pip install --quiet @Pins
if ($LASTEXITCODE) { throw "pip failed" }
& $Python -m PyInstaller --noconfirm --clean --log-level WARN --distpath packaging\dist --workpath packaging\build packaging\stitch-studio.spec
if ($LASTEXITCODE) { throw "pyinstaller failed" }
$Version = & $Python -c "import studio; print(studio.__version__)"
$Iscc = (Get-Command iscc -ErrorAction SilentlyContinue).Source
if (-not $Iscc) { $Iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
& $Iscc "/DAppVersion=$Version" packaging\windows\stitch-studio.iss
if ($LASTEXITCODE) { throw "iscc failed" }
$Setup = "packaging\dist\StitchStudio-Setup-$Version.exe"
if ($env:SIGN_PFX) {
    signtool sign /f $env:SIGN_PFX /p $env:SIGN_PASSWORD /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 $Setup
    if ($LASTEXITCODE) { throw "signtool failed" }
}
Write-Host "installer: $Setup ($([math]::Round((Get-Item $Setup).Length / 1MB)) MB)"
