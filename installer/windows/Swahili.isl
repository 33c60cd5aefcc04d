; Kiswahili messages for the Kaunta installer (Inno Setup 6).
; Inno Setup has no official Swahili translation, so this file is Kaunta's own. It is
; loaded after compiler:Default.isl (kaunta.iss, [Languages]): what it does not translate
; stays English; it translates what a shop sees when installing and removing Kaunta.
; Each message follows its English original ("; en: ..."):
; tests/installer/test_windows_inputs.py checks that both have the same %1/%n/[name]
; fields and the same number of & keyboard accelerators (the en: lines are Inno Setup 6's
; Default.isl, as it stood when this file was written).
; Plain ASCII on purpose: Inno reads a file without a byte-order mark in the Windows code
; page, and Kiswahili needs no letter outside ASCII.

[LangOptions]
LanguageName=Kiswahili
; Swahili (Kenya)
LanguageID=$0441
LanguageCodePage=0

[Messages]

; *** Application titles
; en: Setup
SetupAppTitle=Usakinishaji
; en: Setup - %1
SetupWindowTitle=Usakinishaji - %1
; en: Uninstall
UninstallAppTitle=Kuondoa
; en: %1 Uninstall
UninstallAppFullTitle=Kuondoa %1

; *** Misc. common
; en: Information
InformationTitle=Taarifa
; en: Confirm
ConfirmTitle=Thibitisha
; en: Error
ErrorTitle=Hitilafu

; *** Startup
; en: This will install %1. Do you wish to continue?
SetupLdrStartupMessage=Hii itasakinisha %1. Je, unataka kuendelea?
; en: Setup is already running.
SetupAlreadyRunning=Usakinishaji tayari unaendelea.
; en: Setup has detected that %1 is currently running.%n%nPlease close all instances of it now, then click OK to continue, or Cancel to exit.
SetupAppRunningError=Usakinishaji umegundua kwamba %1 inafanya kazi sasa.%n%nTafadhali ifunge kabisa sasa, kisha bofya Sawa kuendelea, au Ghairi kuondoka.
; en: Uninstall has detected that %1 is currently running.%n%nPlease close all instances of it now, then click OK to continue, or Cancel to exit.
UninstallAppRunningError=Kuondoa kumegundua kwamba %1 inafanya kazi sasa.%n%nTafadhali ifunge kabisa sasa, kisha bofya Sawa kuendelea, au Ghairi kuondoka.
; en: Choose install mode
PrivilegesRequiredOverrideInstruction=Chagua namna ya kusakinisha
; en: %1 can be installed for all users (requires administrative privileges), or for you only.
PrivilegesRequiredOverrideTaskDialogText1=%1 inaweza kusakinishwa kwa watumiaji wote (inahitaji ruhusa za msimamizi), au kwa ajili yako peke yako.
; en: %1 can be installed for all users (recommended, but requires administrative privileges), or for you only.%n%nInstall for all users?
PrivilegesRequiredOverrideMsgBoxText1=%1 inaweza kusakinishwa kwa watumiaji wote (inapendekezwa, lakini inahitaji ruhusa za msimamizi), au kwa ajili yako peke yako.%n%nSakinisha kwa watumiaji wote?
; en: %1 can be installed for you only, or for all users (requires administrative privileges).
PrivilegesRequiredOverrideTaskDialogText2=%1 inaweza kusakinishwa kwa ajili yako peke yako, au kwa watumiaji wote (inahitaji ruhusa za msimamizi).
; en: %1 can be installed for you only (recommended), or for all users (requires administrative privileges).%n%nInstall for you only?
PrivilegesRequiredOverrideMsgBoxText2=%1 inaweza kusakinishwa kwa ajili yako peke yako (inapendekezwa), au kwa watumiaji wote (inahitaji ruhusa za msimamizi).%n%nSakinisha kwa ajili yako peke yako?
; en: Install for all users
PrivilegesRequiredOverrideAllUsers=Sakinisha kwa watumiaji wote
; en: Install for me only
PrivilegesRequiredOverrideCurrentUser=Sakinisha kwa ajili yangu tu
; en: %1 (recommended)
PrivilegesRequiredOverrideRecommended=%1 (inapendekezwa)
; en: Setup was unable to create the directory "%1"
ErrorCreatingDir=Usakinishaji haukuweza kuunda folda "%1"

; *** Leaving and about
; en: Exit Setup
ExitSetupTitle=Ondoka kwenye Usakinishaji
; en: Setup is not complete. If you exit now, the program will not be installed.%n%nYou may run Setup again at another time to complete the installation.%n%nExit Setup?
ExitSetupMessage=Usakinishaji haujakamilika. Ukiondoka sasa, programu haitasakinishwa.%n%nUnaweza kuendesha Usakinishaji tena wakati mwingine ili kukamilisha.%n%nUondoke kwenye Usakinishaji?
; en: &About Setup...
AboutSetupMenuItem=&Kuhusu Usakinishaji...
; en: About Setup
AboutSetupTitle=Kuhusu Usakinishaji
; en: %1 version %2%n%3%n%n%1 home page:%n%4
AboutSetupMessage=%1 toleo %2%n%3%n%nTovuti ya %1:%n%4

; *** Buttons
; en: < &Back
ButtonBack=< &Nyuma
; en: &Next >
ButtonNext=&Mbele >
; en: &Install
ButtonInstall=&Sakinisha
; en: OK
ButtonOK=Sawa
; en: Cancel
ButtonCancel=Ghairi
; en: &Yes
ButtonYes=&Ndiyo
; en: Yes to &All
ButtonYesToAll=Ndiyo kwa &Zote
; en: &No
ButtonNo=&Hapana
; en: N&o to All
ButtonNoToAll=Hapana kwa Z&ote
; en: &Finish
ButtonFinish=&Maliza
; en: &Browse...
ButtonBrowse=&Vinjari...
; en: B&rowse...
ButtonWizardBrowse=V&injari...
; en: &Make New Folder
ButtonNewFolder=&Unda Folda Mpya

; *** Select Language dialog
; en: Select Setup Language
SelectLanguageTitle=Chagua Lugha ya Usakinishaji
; en: Select the language to use during the installation:
SelectLanguageLabel=Chagua lugha ya kutumia wakati wa kusakinisha:

; *** Common wizard text
; en: Click Next to continue, or Cancel to exit Setup.
ClickNext=Bofya Mbele kuendelea, au Ghairi kuondoka kwenye Usakinishaji.
; en: Browse For Folder
BrowseDialogTitle=Tafuta Folda
; en: Select a folder in the list below, then click OK.
BrowseDialogLabel=Chagua folda katika orodha hapa chini, kisha bofya Sawa.
; en: New Folder
NewFolderName=Folda Mpya

; *** Welcome page
; en: Welcome to the [name] Setup Wizard
WelcomeLabel1=Karibu kwenye Usakinishaji wa [name]
; en: This will install [name/ver] on your computer.%n%nIt is recommended that you close all other applications before continuing.
WelcomeLabel2=Hii itasakinisha [name/ver] kwenye kompyuta yako.%n%nInashauriwa ufunge programu nyingine zote kabla ya kuendelea.

; *** Select Destination Location page
; en: Select Destination Location
WizardSelectDir=Chagua Mahali pa Kusakinisha
; en: Where should [name] be installed?
SelectDirDesc=[name] isakinishwe wapi?
; en: Setup will install [name] into the following folder.
SelectDirLabel3=Usakinishaji utaweka [name] katika folda ifuatayo.
; en: To continue, click Next. If you would like to select a different folder, click Browse.
SelectDirBrowseLabel=Ili kuendelea, bofya Mbele. Ukitaka kuchagua folda nyingine, bofya Vinjari.
; en: At least [mb] MB of free disk space is required.
DiskSpaceMBLabel=Nafasi tupu ya angalau MB [mb] kwenye diski inahitajika.
; en: The drive or UNC share you selected does not exist or is not accessible. Please select another.
InvalidDrive=Diski au folda ya mtandao (UNC) uliyochagua haipo au haifikiki. Tafadhali chagua nyingine.
; en: Not Enough Disk Space
DiskSpaceWarningTitle=Nafasi ya Diski Haitoshi
; en: Setup requires at least %1 KB of free space to install, but the selected drive only has %2 KB available.%n%nDo you want to continue anyway?
DiskSpaceWarning=Usakinishaji unahitaji nafasi tupu ya angalau KB %1, lakini diski uliyochagua ina KB %2 tu.%n%nUnataka kuendelea hata hivyo?
; en: The folder name or path is too long.
DirNameTooLong=Jina la folda au njia ni refu mno.
; en: The folder name is not valid.
InvalidDirName=Jina la folda si sahihi.
; en: Folder names cannot include any of the following characters:%n%n%1
BadDirName32=Majina ya folda hayawezi kuwa na herufi yoyote kati ya hizi:%n%n%1
; en: Folder Exists
DirExistsTitle=Folda Ipo
; en: The folder:%n%n%1%n%nalready exists. Would you like to install to that folder anyway?
DirExists=Folda:%n%n%1%n%ntayari ipo. Unataka kusakinisha kwenye folda hiyo hata hivyo?
; en: Folder Does Not Exist
DirDoesntExistTitle=Folda Haipo
; en: The folder:%n%n%1%n%ndoes not exist. Would you like the folder to be created?
DirDoesntExist=Folda:%n%n%1%n%nhaipo. Unataka folda hiyo iundwe?

; *** Select Additional Tasks page
; en: Select Additional Tasks
WizardSelectTasks=Chagua Kazi za Ziada
; en: Which additional tasks should be performed?
SelectTasksDesc=Ni kazi gani za ziada zifanywe?
; en: Select the additional tasks you would like Setup to perform while installing [name], then click Next.
SelectTasksLabel2=Chagua kazi za ziada ambazo ungependa Usakinishaji ufanye wakati wa kusakinisha [name], kisha bofya Mbele.

; *** Select Start Menu Folder page
; en: Select Start Menu Folder
WizardSelectProgramGroup=Chagua Folda ya Menyu ya Anza
; en: Where should Setup place the program's shortcuts?
SelectStartMenuFolderDesc=Usakinishaji uweke njia za mkato za programu wapi?
; en: Setup will create the program's shortcuts in the following Start Menu folder.
SelectStartMenuFolderLabel3=Usakinishaji utaunda njia za mkato za programu katika folda ifuatayo ya Menyu ya Anza.
; en: To continue, click Next. If you would like to select a different folder, click Browse.
SelectStartMenuFolderBrowseLabel=Ili kuendelea, bofya Mbele. Ukitaka kuchagua folda nyingine, bofya Vinjari.
; en: You must enter a folder name.
MustEnterGroupName=Lazima uandike jina la folda.
; en: The folder name or path is too long.
GroupNameTooLong=Jina la folda au njia ni refu mno.
; en: The folder name is not valid.
InvalidGroupName=Jina la folda si sahihi.
; en: The folder name cannot include any of the following characters:%n%n%1
BadGroupName=Jina la folda haliwezi kuwa na herufi yoyote kati ya hizi:%n%n%1
; en: &Don't create a Start Menu folder
NoProgramGroupCheck2=&Usiunde folda ya Menyu ya Anza

; *** Ready to Install page
; en: Ready to Install
WizardReady=Tayari Kusakinisha
; en: Setup is now ready to begin installing [name] on your computer.
ReadyLabel1=Usakinishaji sasa uko tayari kuanza kusakinisha [name] kwenye kompyuta yako.
; en: Click Install to continue with the installation, or click Back if you want to review or change any settings.
ReadyLabel2a=Bofya Sakinisha kuendelea na usakinishaji, au bofya Nyuma ukitaka kukagua au kubadilisha mipangilio yoyote.
; en: Click Install to continue with the installation.
ReadyLabel2b=Bofya Sakinisha kuendelea na usakinishaji.
; en: Destination location:
ReadyMemoDir=Mahali pa kusakinisha:
; en: Start Menu folder:
ReadyMemoGroup=Folda ya Menyu ya Anza:
; en: Additional tasks:
ReadyMemoTasks=Kazi za ziada:

; *** Preparing to Install page
; en: Preparing to Install
WizardPreparing=Inajiandaa Kusakinisha
; en: Setup is preparing to install [name] on your computer.
PreparingDesc=Usakinishaji unajiandaa kusakinisha [name] kwenye kompyuta yako.
; en: Setup cannot continue. Please click Cancel to exit.
CannotContinue=Usakinishaji hauwezi kuendelea. Tafadhali bofya Ghairi kuondoka.
; en: The following applications are using files that need to be updated by Setup. It is recommended that you allow Setup to automatically close these applications.
ApplicationsFound=Programu zifuatazo zinatumia faili ambazo Usakinishaji unahitaji kusasisha. Inashauriwa uruhusu Usakinishaji uzifunge programu hizi wenyewe.
; en: The following applications are using files that need to be updated by Setup. It is recommended that you allow Setup to automatically close these applications. After the installation has completed, Setup will attempt to restart the applications.
ApplicationsFound2=Programu zifuatazo zinatumia faili ambazo Usakinishaji unahitaji kusasisha. Inashauriwa uruhusu Usakinishaji uzifunge programu hizi wenyewe. Usakinishaji ukikamilika, utajaribu kuzifungua tena.
; en: &Automatically close the applications
CloseApplications=&Funga programu hizi kiotomatiki
; en: &Do not close the applications
DontCloseApplications=&Usifunge programu hizi
; en: Setup was unable to automatically close all applications. It is recommended that you close all applications using files that need to be updated by Setup before continuing.
ErrorCloseApplications=Usakinishaji haukuweza kufunga programu zote kiotomatiki. Inashauriwa ufunge programu zote zinazotumia faili ambazo Usakinishaji unahitaji kusasisha kabla ya kuendelea.

; *** Installing page
; en: Installing
WizardInstalling=Inasakinisha
; en: Please wait while Setup installs [name] on your computer.
InstallingLabel=Tafadhali subiri Usakinishaji ukiweka [name] kwenye kompyuta yako.

; *** Setup Completed page
; en: Completing the [name] Setup Wizard
FinishedHeadingLabel=Kukamilisha Usakinishaji wa [name]
; en: Setup has finished installing [name] on your computer.
FinishedLabelNoIcons=Usakinishaji umemaliza kuweka [name] kwenye kompyuta yako.
; en: Setup has finished installing [name] on your computer. The application may be launched by selecting the installed shortcuts.
FinishedLabel=Usakinishaji umemaliza kuweka [name] kwenye kompyuta yako. Programu inaweza kufunguliwa kwa kuchagua njia za mkato zilizowekwa.
; en: Click Finish to exit Setup.
ClickFinish=Bofya Maliza kuondoka kwenye Usakinishaji.
; en: Run %1
RunEntryExec=Endesha %1
; en: View %1
RunEntryShellExec=Tazama %1

; *** Installation phase and status
; en: Setup was not completed.%n%nPlease correct the problem and run Setup again.
SetupAborted=Usakinishaji haukukamilika.%n%nTafadhali rekebisha tatizo kisha uendeshe Usakinishaji tena.
; en: Closing applications...
StatusClosingApplications=Inafunga programu...
; en: Creating directories...
StatusCreateDirs=Inaunda folda...
; en: Extracting files...
StatusExtractFiles=Inatoa faili...
; en: Creating shortcuts...
StatusCreateIcons=Inaunda njia za mkato...
; en: Creating registry entries...
StatusCreateRegistryEntries=Inaandika kwenye rejista...
; en: Saving uninstall information...
StatusSavingUninstall=Inahifadhi taarifa za kuondoa...
; en: Finishing installation...
StatusRunProgram=Inamaliza usakinishaji...
; en: Rolling back changes...
StatusRollback=Inarudisha mabadiliko...

; *** Uninstaller
; en: Are you sure you want to completely remove %1 and all of its components?
ConfirmUninstall=Una uhakika unataka kuondoa %1 kabisa pamoja na sehemu zake zote?
; en: Please wait while %1 is removed from your computer.
UninstallStatusLabel=Tafadhali subiri %1 ikiondolewa kwenye kompyuta yako.
; en: %1 was successfully removed from your computer.
UninstalledAll=%1 imeondolewa kwenye kompyuta yako.
; en: %1 uninstall complete.%n%nSome elements could not be removed. These can be removed manually.
UninstalledMost=Kuondoa %1 kumekamilika.%n%nBaadhi ya vitu havikuweza kuondolewa. Unaweza kuviondoa wewe mwenyewe.
; en: Uninstall Status
WizardUninstalling=Hali ya Kuondoa
; en: Uninstalling %1...
StatusUninstalling=Inaondoa %1...

[CustomMessages]
; the standard custom messages kaunta.iss uses ({cm:...})
; en: %1 version %2
NameAndVersion=%1 toleo %2
; en: Additional shortcuts:
AdditionalIcons=Njia za mkato za ziada:
; en: Create a &desktop shortcut
CreateDesktopIcon=Weka njia ya mkato kwenye &eneo-kazi
; en: Uninstall %1
UninstallProgram=Ondoa %1
; en: Launch %1
LaunchProgram=Fungua %1
