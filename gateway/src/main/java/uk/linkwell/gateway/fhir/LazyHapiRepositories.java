package uk.linkwell.gateway.fhir;

import java.util.HashSet;
import java.util.Set;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.config.ConstructorArgumentValues.ValueHolder;
import org.springframework.beans.factory.config.DependencyDescriptor;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.context.annotation.ContextAnnotationAutowireCandidateResolver;
import org.springframework.data.repository.core.support.RepositoryFactoryBeanSupport;
import org.springframework.util.ClassUtils;

/**
 * Creates HAPI's Spring Data repositories when they are first used rather than all at start-up: Spring Data's
 * {@code BootstrapMode.LAZY}, applied to the repositories HAPI's own configuration declares (its
 * {@code @EnableJpaRepositories} cannot be given a bootstrap mode from outside).
 *
 * <p>Why: creating a repository makes Hibernate parse every {@code @Query} it declares, and HAPI declares about
 * sixty repositories, most of which a running gateway never touches (bulk export, terminology upload, MDM, batch
 * job bookkeeping). Parsing them all was about a fifth of start-up's CPU (JFR). A repository used at start-up is
 * still created then; the others cost their first caller a few milliseconds.
 */
public final class LazyHapiRepositories implements BeanFactoryPostProcessor {

    private static final String HAPI_PACKAGE = "ca.uhn.fhir.";

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) throws BeansException {
        Set<String> lazyInterfaces = new HashSet<>();
        for (String name : beanFactory.getBeanDefinitionNames()) {
            BeanDefinition definition = beanFactory.getBeanDefinition(name);
            String repositoryInterface = hapiRepositoryInterface(definition, beanFactory.getBeanClassLoader());
            if (repositoryInterface != null) {
                definition.setLazyInit(true);
                lazyInterfaces.add(repositoryInterface);
            }
        }
        if (!lazyInterfaces.isEmpty() && beanFactory instanceof DefaultListableBeanFactory listable) {
            listable.setAutowireCandidateResolver(new LazyRepositoryInjection(lazyInterfaces));
        }
    }

    /** The repository interface a HAPI repository factory bean definition makes, or null for any other bean. */
    static String hapiRepositoryInterface(BeanDefinition definition, ClassLoader classLoader) {
        String className = definition.getBeanClassName();
        if (className == null || !className.startsWith("org.springframework.data.")) {
            return null;
        }
        try {
            if (!RepositoryFactoryBeanSupport.class.isAssignableFrom(ClassUtils.forName(className, classLoader))) {
                return null;
            }
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
        ValueHolder first = definition.getConstructorArgumentValues().getIndexedArgumentValue(0, null);
        Object value = first == null ? null : first.getValue();
        String repositoryInterface =
                value instanceof Class<?> type ? type.getName() : value instanceof String text ? text : null;
        return repositoryInterface != null && repositoryInterface.startsWith(HAPI_PACKAGE) ? repositoryInterface : null;
    }

    /**
     * Injects a lazy-resolution proxy where a bean asks for one of the lazy repositories, so that the asking bean
     * does not create the repository (the proxy does, on its first call). Otherwise Spring's usual annotation-driven
     * resolution, which this extends.
     */
    static final class LazyRepositoryInjection extends ContextAnnotationAutowireCandidateResolver {

        private final Set<String> lazyInterfaces;

        LazyRepositoryInjection(Set<String> lazyInterfaces) {
            this.lazyInterfaces = Set.copyOf(lazyInterfaces);
        }

        @Override
        protected boolean isLazy(DependencyDescriptor descriptor) {
            return lazyInterfaces.contains(descriptor.getDependencyType().getName()) || super.isLazy(descriptor);
        }
    }
}
