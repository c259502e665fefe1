// Launcher behind `mvn -q -Ptools exec:java -Dexec.args="upgrade-check ..."`: exec:java does not compile and
// cannot give Flink the --add-opens it needs on Java 17, so this builds the project, asks Maven for the
// classpath, and runs io.harbinger.stream.tools.OperatorTools in a JVM of its own. Its exit code (0 all good,
// 1 the check says no, 2 bad usage or unreadable input) becomes Maven's, for scripts and CI.
def mavenHome = System.getProperty('maven.home')
def windows = System.getProperty('os.name').toLowerCase().contains('win')
def mvn = mavenHome ? new File(mavenHome, windows ? 'bin/mvn.cmd' : 'bin/mvn').path : (windows ? 'mvn.cmd' : 'mvn')
def basedir = new File(System.getProperty('harbinger.basedir') ?: '.').canonicalFile
def classpathFile = new File(basedir, 'target/tools.classpath')

def build = [mvn, '-q', '-B', '-DskipTests', "-Dmdep.outputFile=${classpathFile}".toString(), '-Dmdep.includeScope=test',
             'test-compile', 'dependency:build-classpath']
def settings = System.getProperty('org.apache.maven.user-settings') // keep a user's -s settings.xml
if (settings) build.addAll(1, ['-s', settings])
int built = new ProcessBuilder(build).directory(basedir).inheritIO().start().waitFor()
if (built != 0) {
    System.err.println("the build failed (exit code ${built})")
    System.exit(2)
}

def classpath = [new File(basedir, 'target/classes').path, new File(basedir, 'target/test-classes').path,
                 classpathFile.text.trim()].join(File.pathSeparator)
def java = new File(System.getProperty('java.home'), windows ? 'bin/java.exe' : 'bin/java').path
// Arguments as a shell would split them: on blanks, except inside single or double quotes.
def toolArgs = ((System.getProperty('exec.args') ?: '') =~ /"([^"]*)"|'([^']*)'|(\S+)/).collect { it[1] ?: it[2] ?: it[3] }
def command = [java] + System.getProperty('harbinger.jvm.opens').split(' ').toList() +
        ["-Dharbinger.local.log=${new File(basedir, 'target/tools.log')}".toString(),
         '-Dlog4j.configurationFile=log4j2-local.properties', '-cp', classpath,
         'io.harbinger.stream.tools.OperatorTools'] + toolArgs
def process = new ProcessBuilder(command).directory(basedir).inheritIO().start()
addShutdownHook { if (process.alive) process.destroy() }
System.exit(process.waitFor())
