; Stitch Studio: Windows installer (Inno Setup 6), wrapping the PyInstaller one-folder bundle.
;
;   pyinstaller --noconfirm --distpath packaging\dist --workpath packaging\build packaging\stitch-studio.spec
;   iscc /DAppVersion=0.1.0 packaging\windows\stitch-studio.iss
;
; Output: packaging\dist\StitchStudio-Setup-<version>.exe, a per-user install (no admin rights)
; with a Start-menu entry, an optional desktop icon, "Open with Stitch Studio" on folders, and an
; uninstaller. Settings and models live in the platform folders (platformdirs), not {app}.
; packaging\build-windows.ps1 runs both steps.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "Stitch Studio"
#define AppExe "StitchStudio.exe"
#define BundleDir "..\dist\StitchStudio"

[Setup]
AppId={{6F1E0C52-6B1D-4C1B-9E37-5C2D8A1F7B40}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Stitch Studio
DefaultDirName={autopf}\Stitch Studio
DefaultGroupName={#AppName}
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist
OutputBaseFilename=StitchStudio-Setup-{#AppVersion}
SetupIconFile=..\..\resources\icons\stitch-studio.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; "Open with Stitch Studio" on a folder (and a folder dropped on the icon arrives as %1 anyway).
Root: HKA; Subkey: "Software\Classes\Directory\shell\StitchStudio"; ValueType: string; ValueData: "Open with Stitch Studio"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Directory\shell\StitchStudio"; ValueType: string; ValueName: "Icon"; ValueData: "{app}\{#AppExe}"
Root: HKA; Subkey: "Software\Classes\Directory\shell\StitchStudio\command"; ValueType: string; ValueData: """{app}\{#AppExe}"" ""%1"""

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
